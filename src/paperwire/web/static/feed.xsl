<?xml version="1.0" encoding="UTF-8"?>
<!-- Makes an Atom or RSS feed of this site read as a page when opened in a browser. Feed
     readers ignore it. No script (the site's CSP allows none inline): the site's stylesheet
     and plain HTML only. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    exclude-result-prefixes="atom dc">
  <xsl:output method="html" encoding="UTF-8" indent="yes"
      doctype-system="about:legacy-compat"/>

  <xsl:template match="/">
    <xsl:variable name="title" select="atom:feed/atom:title | rss/channel/title"/>
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> (feed)</title>
        <link rel="stylesheet" href="/static/site.css"/>
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml"/>
      </head>
      <body>
        <header class="site-header">
          <div class="bar"><a class="brand" href="/">paperwire</a></div>
        </header>
        <main id="main">
          <h1><xsl:value-of select="$title"/></h1>
          <p class="notice feed-notice">This is a <strong>feed</strong>: copy this page's
            address into a feed reader to follow it.
            <xsl:for-each select="(atom:feed/atom:link[@rel='alternate'] | rss/channel/link)[1]">
              <a href="{@href | text()}">The same papers as a page</a>.
            </xsl:for-each>
          </p>
          <p class="subheading">
            <xsl:value-of select="atom:feed/atom:subtitle | rss/channel/description"/>
          </p>
          <ol class="feed-entries">
            <xsl:apply-templates select="atom:feed/atom:entry | rss/channel/item"/>
          </ol>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="atom:entry">
    <li class="card feed-entry">
      <h2 class="title"><a href="{atom:link[@rel='alternate']/@href | atom:link[not(@rel)]/@href}">
        <xsl:value-of select="atom:title"/></a></h2>
      <p class="authors">
        <xsl:for-each select="atom:author/atom:name">
          <xsl:if test="position() &gt; 1">, </xsl:if><xsl:value-of select="."/>
        </xsl:for-each>
      </p>
      <p class="summary"><xsl:value-of select="substring(atom:summary, 1, 400)"/>
        <xsl:if test="string-length(atom:summary) &gt; 400">…</xsl:if></p>
    </li>
  </xsl:template>

  <xsl:template match="item">
    <li class="card feed-entry">
      <h2 class="title"><a href="{link}"><xsl:value-of select="title"/></a></h2>
      <p class="authors">
        <xsl:for-each select="dc:creator">
          <xsl:if test="position() &gt; 1">, </xsl:if><xsl:value-of select="."/>
        </xsl:for-each>
      </p>
      <p class="summary"><xsl:value-of select="substring(description, 1, 400)"/>
        <xsl:if test="string-length(description) &gt; 400">…</xsl:if></p>
    </li>
  </xsl:template>
</xsl:stylesheet>
