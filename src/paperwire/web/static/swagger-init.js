// Starts the vendored Swagger UI on /docs (a file, not an inline script: the site's CSP
// allows scripts from 'self' only). validatorUrl null: no badge fetched from swagger.io.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
