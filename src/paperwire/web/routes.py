"""Every route of the site, in one table: method, path, handler, who may call it, and what
it is (a page, or an operation of an API or the feeds with how /openapi.json shows it).

The app is built from this table (web/app.py, through routing.py), so it is the whole
truth about the routes: each row's access is enforced on its route (auth.enforcement),
docs/community.md's "Routes and roles" table is generated from it, and the authorisation
matrix (tests/web/test_authz_matrix.py) calls every row as every persona.

Access, the least a caller needs: ANYONE; USER, signed in (a session cookie or an API
token); VERIFIED, signed in with a confirmed address; MODERATOR and ADMIN, that role or a
higher one. Owning the comment, collection or token a route acts on is the library's rule
on top (paperwire.community, paperwire.accounts): anybody else gets 403 or 404.

Order matters: requests are matched against the rows from the top. Paper ids may hold a
slash (hep-th/9901001), so `{paper_id:path}` takes anything: every route that continues a
paper path (`.../upvote`, `.../similar`, `.md`) comes before the one that ends there.
"""

from __future__ import annotations

from paperwire.web import feeds, feeds_personal, health, metrics
from paperwire.web.api import account as api_account
from paperwire.web.api import collections as api_collections
from paperwire.web.api import community as api_community
from paperwire.web.api import papers as api_papers
from paperwire.web.api import recommendations as api_recommendations
from paperwire.web.api import trending as api_trending
from paperwire.web.api.account import MeOut, TokenCreated, TokenList
from paperwire.web.api.community_models import (
    BEARER,
    CollectionDetail,
    CollectionList,
    CollectionOut,
    CommentOut,
    CommentThread,
    ItemOut,
    SubmissionList,
    SubmissionResultOut,
    TrendingOut,
    UpvoteOut,
)
from paperwire.web.api.community_models import ERRORS as COMMUNITY_ERRORS
from paperwire.web.api.models import (
    FeedsInfo,
    PaperList,
    PaperOut,
    SearchResponse,
    SimilarResponse,
    StatsOut,
)
from paperwire.web.api.recommendation_models import ExportOut, RecommendationsOut, SignalOut
from paperwire.web.auth import Access
from paperwire.web.hf import routes as hf_api
from paperwire.web.pages import account as accounts
from paperwire.web.pages import (
    account_security,
    account_settings,
    admin,
    authors,
    collections,
    community,
    digest,
    docs,
    for_you,
    for_you_preferences,
    papers,
    security_txt,
    thumbnails,
)
from paperwire.web.routing import PAGE, PROBE, Api, Responses, Route

ANYONE: Access = "anyone"
USER: Access = "user"
VERIFIED: Access = "verified"
MODERATOR: Access = "moderator"
ADMIN: Access = "admin"

# The parts of /openapi.json, each under its tag.
HF = Api("hf", "HF-compatible", errors=hf_api.ERRORS)
ACCOUNT = Api("api", "account", errors=api_account.ERRORS)
COMMUNITY = Api("api", "community", errors=COMMUNITY_ERRORS, bearer=BEARER)
V1 = Api("api", "paperwire API v1", errors=api_papers.ERRORS)
RECOMMEND = Api("api", "recommendations", errors=COMMUNITY_ERRORS, bearer=BEARER)
FEEDS = Api("feed", "feeds", always=feeds.FEED_RESPONSES, response_class=feeds.FeedResponse)

SUBMITTED: Responses = {
    201: {"description": "Listed on today's page.", "model": SubmissionResultOut},
    202: {"description": "Pending: arXiv could not be reached yet.", "model": SubmissionResultOut},
}

# fmt: off
ROUTES: tuple[Route, ...] = (
    Route("GET", "/healthz", health.healthz, ANYONE, PROBE),
    Route("GET", "/readyz", health.readyz, ANYONE, PROBE),
    # Open to the networks in PAPERWIRE_METRICS_ALLOW only (web/metrics.py).
    Route("GET", "/metrics", metrics.metrics, ANYONE, PROBE),
    Route("GET", "/.well-known/security.txt", security_txt.security_txt, ANYONE, PROBE),

    # -- huggingface.co's papers API, for the huggingface_hub client (hf/routes.py) --------
    Route("GET", "/api/daily_papers", hf_api.daily_papers, ANYONE,
          HF("Daily papers (huggingface.co's shape)", errors=(400,))),
    Route("GET", "/api/papers/search", hf_api.search_papers, ANYONE,
          HF("Search papers (huggingface.co's shape)", errors=(400, 503))),
    Route("GET", "/api/papers/{paper_id:path}", hf_api.paper_info, ANYONE,
          HF("One paper (huggingface.co's shape)", errors=(404,))),
    Route("GET", "/papers/{paper_id:path}.md", hf_api.paper_as_markdown, ANYONE,
          HF("One paper as markdown", errors=(404,), response_class=hf_api.MarkdownResponse)),

    # -- /api/v1: the signed-in account (api/account.py) -----------------------------------
    Route("GET", "/api/v1/me", api_account.get_me, USER,
          ACCOUNT("The signed-in account", MeOut, errors=(400, 401, 403),
                  description=api_account.GET_ME_DESCRIPTION)),
    Route("PATCH", "/api/v1/me", api_account.patch_me, USER,
          ACCOUNT("Change the display name or bio", MeOut, errors=(400, 401, 403))),
    Route("GET", "/api/v1/me/tokens", api_account.list_my_tokens, USER,
          ACCOUNT("The account's API tokens", TokenList, errors=(400, 401, 403))),
    Route("POST", "/api/v1/me/tokens", api_account.create_my_token, USER,
          ACCOUNT("Make an API token (shown once)", TokenCreated, status=201,
                  errors=(400, 401, 403, 429))),
    Route("DELETE", "/api/v1/me/tokens/{token_id}", api_account.revoke_my_token, USER,
          ACCOUNT("Revoke one of the account's API tokens", status=204,
                  errors=(400, 401, 403, 404))),

    # -- /api/v1: the signed-in reader's recommendations (api/recommendations.py) ---------
    Route("GET", "/api/v1/me/recommendations", api_recommendations.my_recommendations, USER,
          RECOMMEND("Your recommendations, with why", RecommendationsOut, errors=(400, 401))),
    Route("GET", "/api/v1/me/recommendations/export", api_recommendations.export, USER,
          RECOMMEND("Everything stored about you for recommendations", ExportOut,
                    errors=(401,))),
    Route("POST", "/api/v1/me/recommendations/signals", api_recommendations.rate, USER,
          RECOMMEND("Rate a paper (+1 or -1)", SignalOut, errors=(400, 401, 403, 404))),
    Route("DELETE", "/api/v1/me/recommendations/signals/{paper_id:path}",
          api_recommendations.unrate, USER,
          RECOMMEND("Take back a rating", status=204, errors=(400, 401, 403, 404))),

    # -- /api/v1: the community (api/community.py, api/collections.py, api/trending.py) ----
    Route("POST", "/api/v1/papers/{paper_id:path}/upvote", api_community.upvote, USER,
          COMMUNITY("Upvote a paper", UpvoteOut, errors=(401, 404))),
    Route("DELETE", "/api/v1/papers/{paper_id:path}/upvote", api_community.remove_upvote, USER,
          COMMUNITY("Take back an upvote", UpvoteOut, errors=(401, 404))),
    Route("GET", "/api/v1/papers/{paper_id:path}/comments", api_community.list_comments, ANYONE,
          COMMUNITY("A paper's comments", CommentThread, errors=(404,))),
    Route("POST", "/api/v1/papers/{paper_id:path}/comments", api_community.add_comment, VERIFIED,
          COMMUNITY("Comment on a paper", CommentOut, status=201,
                    errors=(400, 401, 403, 404, 429))),
    Route("PATCH", "/api/v1/comments/{comment_id}", api_community.edit_comment, USER,
          COMMUNITY("Edit your comment", CommentOut, errors=(400, 401, 403, 404))),
    Route("DELETE", "/api/v1/comments/{comment_id}", api_community.delete_comment, USER,
          COMMUNITY("Delete your comment", status=204, errors=(401, 403, 404))),
    Route("PUT", "/api/v1/comments/{comment_id}/hidden", api_community.hide_comment, MODERATOR,
          COMMUNITY("Hide or show a comment (moderators)", CommentOut,
                    errors=(401, 403, 404))),
    Route("POST", "/api/v1/submissions", api_community.submit, VERIFIED,
          COMMUNITY("Submit a paper", SubmissionResultOut, responses=SUBMITTED,
                    errors=(400, 401, 403, 404, 429))),
    Route("GET", "/api/v1/submissions", api_community.my_submissions, USER,
          COMMUNITY("Your submissions", SubmissionList, errors=(401,))),
    Route("GET", "/api/v1/collections", api_collections.my_collections, USER,
          COMMUNITY("Your collections", CollectionList, errors=(401,))),
    Route("POST", "/api/v1/collections", api_collections.create_collection, USER,
          COMMUNITY("Make a collection", CollectionOut, status=201,
                    errors=(400, 401, 409, 429))),
    Route("PATCH", "/api/v1/collections/{collection_id}", api_collections.update_collection,
          USER,
          COMMUNITY("Rename, describe or share a collection", CollectionOut,
                    errors=(400, 401, 404, 409))),
    Route("DELETE", "/api/v1/collections/{collection_id}", api_collections.delete_collection,
          USER,
          COMMUNITY("Delete a collection", status=204, errors=(401, 404))),
    Route("POST", "/api/v1/collections/{collection_id}/items", api_collections.add_item, USER,
          COMMUNITY("Add a paper to a collection", ItemOut, errors=(401, 404, 429))),
    Route("DELETE", "/api/v1/collections/{collection_id}/items/{paper_id:path}",
          api_collections.remove_item, USER,
          COMMUNITY("Remove a paper from a collection", ItemOut, errors=(401, 404))),
    Route("GET", "/api/v1/users/{username}/collections", api_collections.user_collections,
          ANYONE,
          COMMUNITY("Someone's collections", CollectionList, errors=(404,))),
    Route("GET", "/api/v1/users/{username}/collections/{slug}",
          api_collections.collection_detail, ANYONE,
          COMMUNITY("One collection and its papers", CollectionDetail, errors=(404,))),
    Route("GET", "/api/v1/trending", api_trending.trending, ANYONE,
          COMMUNITY("Trending papers, with why", TrendingOut)),

    # -- /api/v1: papers, search, feeds, statistics (api/papers.py) ------------------------
    Route("GET", "/api/v1/papers", api_papers.list_papers, ANYONE,
          V1("List papers", PaperList, errors=(400,))),
    Route("GET", "/api/v1/papers/{paper_id:path}/similar", api_papers.similar_papers, ANYONE,
          V1("Papers similar to one paper", SimilarResponse, errors=(400, 404, 503))),
    Route("GET", "/api/v1/papers/{paper_id:path}", api_papers.get_paper, ANYONE,
          V1("One paper", PaperOut, errors=(404,))),
    Route("GET", "/api/v1/search", api_papers.search, ANYONE,
          V1("Search papers", SearchResponse, errors=(400, 503))),
    Route("GET", "/api/v1/feeds", api_papers.feeds, ANYONE,
          V1("The site's feeds", FeedsInfo)),
    Route("GET", "/api/v1/stats", api_papers.stats, ANYONE,
          V1("Catalog and index statistics", StatsOut)),

    # -- Atom and RSS feeds (feeds.py) -----------------------------------------------------
    Route("GET", "/feeds/daily.{fmt}", feeds.daily_feed, ANYONE,
          FEEDS("Daily papers feed")),
    Route("GET", "/feeds/trending.{fmt}", feeds.trending_feed, ANYONE,
          FEEDS("Trending papers feed")),
    Route("GET", "/feeds/search.{fmt}", feeds.search_feed, ANYONE,
          FEEDS("Search results feed")),
    Route("GET", "/feeds/category/{category}.{fmt}", feeds.category_feed, ANYONE,
          FEEDS("Category feed")),
    Route("GET", "/feeds/for-you/{token}.{fmt}", feeds_personal.for_you_feed, ANYONE,
          FEEDS("A reader's private recommendations feed (secret link)")),

    # -- pages: the API's docs (pages/docs.py) ---------------------------------------------
    Route("GET", "/docs", docs.api_docs, ANYONE, PAGE),

    # -- pages: accounts (pages/account.py) ------------------------------------------------
    Route("GET", "/signup", accounts.signup_form, ANYONE, PAGE),
    Route("POST", "/signup", accounts.sign_up, ANYONE, PAGE),
    Route("GET", "/account/verify", accounts.verify_form, ANYONE, PAGE),
    Route("POST", "/account/verify", accounts.verify, ANYONE, PAGE),
    Route("POST", "/account/verify/resend", accounts.resend_verification, ANYONE, PAGE),
    Route("GET", "/login", accounts.login_form, ANYONE, PAGE),
    Route("POST", "/login", accounts.log_in, ANYONE, PAGE),
    Route("POST", "/logout", accounts.log_out, ANYONE, PAGE),
    Route("GET", "/account/reset", accounts.reset_form, ANYONE, PAGE),
    Route("POST", "/account/reset", accounts.reset, ANYONE, PAGE),
    Route("GET", "/users/{username}", account_settings.profile_page, ANYONE, PAGE),
    Route("GET", "/settings", account_settings.settings_page, USER, PAGE),
    Route("POST", "/settings/profile", account_settings.save_profile, USER, PAGE),
    Route("POST", "/settings/password", account_settings.change_password, USER, PAGE),
    Route("POST", "/settings/tokens", account_settings.create_token, USER, PAGE),
    Route("POST", "/settings/tokens/{token_id}/revoke", account_settings.revoke_token, USER, PAGE),
    Route("POST", "/settings/sessions/revoke-others", account_settings.revoke_other_sessions, USER,
          PAGE),
    Route("GET", "/settings/sessions", account_security.sessions_page, USER, PAGE),
    Route("POST", "/settings/sessions/revoke", account_security.revoke_session, USER, PAGE),
    Route("GET", "/settings/delete", account_security.delete_form, USER, PAGE),
    Route("POST", "/settings/delete", account_security.delete_account, USER, PAGE),

    # -- pages: submissions, upvotes, comments (pages/community.py) ------------------------
    Route("GET", "/submit", community.submit_page, USER, PAGE),
    Route("POST", "/submit", community.submit, VERIFIED, PAGE),
    Route("POST", "/papers/{paper_id:path}/upvote", community.upvote_form, USER, PAGE),
    Route("POST", "/papers/{paper_id:path}/comments", community.add_comment_form, VERIFIED,
          PAGE),
    Route("GET", "/comments/{comment_id}/edit", community.edit_comment_page, USER, PAGE),
    Route("POST", "/comments/{comment_id}/edit", community.edit_comment_form, USER, PAGE),
    Route("POST", "/comments/{comment_id}/delete", community.delete_comment_form, USER, PAGE),
    Route("POST", "/comments/{comment_id}/hide", community.hide_comment_form, MODERATOR, PAGE),

    # -- pages: recommendations (pages/for_you.py, pages/for_you_preferences.py) ----------
    Route("GET", "/for-you", for_you.for_you_page, USER, PAGE),
    Route("POST", "/for-you/rate", for_you.rate_form, USER, PAGE),
    Route("GET", "/for-you/preferences", for_you_preferences.preferences_page, USER, PAGE),
    Route("POST", "/for-you/preferences", for_you_preferences.save_preferences, USER, PAGE),
    Route("POST", "/for-you/import", for_you_preferences.import_form, USER, PAGE),
    Route("POST", "/for-you/feed-tokens", for_you_preferences.create_feed_token, USER, PAGE),
    Route("POST", "/for-you/feed-tokens/revoke", for_you_preferences.revoke_feed_token, USER,
          PAGE),
    Route("POST", "/papers/{paper_id:path}/not-interested", for_you.not_interested_form, USER,
          PAGE),
    Route("POST", "/papers/{paper_id:path}/more-like-this", for_you.more_like_this_form, USER,
          PAGE),

    # -- pages: collections (pages/collections.py) -----------------------------------------
    Route("GET", "/collections", collections.my_collections, USER, PAGE),
    Route("POST", "/collections", collections.create_collection_form, USER, PAGE),
    Route("POST", "/collections/{collection_id}/edit", collections.edit_collection_form, USER,
          PAGE),
    Route("POST", "/collections/{collection_id}/delete", collections.delete_collection_form,
          USER, PAGE),
    Route("POST", "/collections/{collection_id}/remove",
          collections.remove_from_collection_form, USER, PAGE),
    Route("POST", "/papers/{paper_id:path}/collect", collections.add_to_collection_form, USER,
          PAGE),
    Route("GET", "/users/{username}/collections", collections.user_collections, ANYONE, PAGE),
    # The exports before the collection page, whose {slug} would take "name.bib".
    Route("GET", "/users/{username}/collections/{slug}.jsonl",
          collections.export_collection_jsonl, ANYONE, PAGE),
    Route("GET", "/users/{username}/collections/{slug}.bib",
          collections.export_collection_bibtex, ANYONE, PAGE),
    Route("GET", "/users/{username}/collections/{slug}", collections.collection_page, ANYONE,
          PAGE),

    # -- pages: digests (pages/digest.py; signed links in mails are the authority) ---------
    Route("GET", "/digest/subscribe", digest.subscribe_form, ANYONE, PAGE),
    Route("POST", "/digest/subscribe", digest.subscribe, ANYONE, PAGE),
    Route("GET", "/digest/confirm/{token}", digest.confirm_page, ANYONE, PAGE),
    Route("POST", "/digest/confirm/{token}", digest.confirm, ANYONE, PAGE),
    Route("GET", "/digest/preferences/{token}", digest.preferences_page, ANYONE, PAGE),
    Route("POST", "/digest/preferences/{token}", digest.save_preferences, ANYONE, PAGE),
    Route("GET", "/unsubscribe/{token}", digest.unsubscribe_page, ANYONE, PAGE),
    Route("POST", "/unsubscribe/{token}", digest.unsubscribe, ANYONE, PAGE),
    Route("GET", "/digest/feedback/{token}", digest.feedback, ANYONE, PAGE),
    Route("GET", "/admin/digest/preview", digest.preview, ADMIN, PAGE),

    # -- pages: the instance's settings (pages/admin.py) -----------------------------------
    Route("GET", "/admin/settings", admin.settings_page, ADMIN, PAGE),
    Route("POST", "/admin/settings/test-mail", admin.send_test_mail, ADMIN, PAGE),

    # -- pages: lists of papers, search, the paper (pages/papers.py) -----------------------
    Route("GET", "/", papers.home, ANYONE, PAGE),
    Route("GET", "/papers/date/{day}", papers.day_page, ANYONE, PAGE),
    Route("GET", "/papers/week/{week}", papers.week_page, ANYONE, PAGE),
    Route("GET", "/papers/month/{month}", papers.month_page, ANYONE, PAGE),
    Route("GET", "/papers/week", papers.latest_week, ANYONE, PAGE),
    Route("GET", "/papers/month", papers.latest_month, ANYONE, PAGE),
    Route("GET", "/trending", papers.trending, ANYONE, PAGE),
    Route("GET", "/papers/category/{category}", papers.category_page, ANYONE, PAGE),
    Route("GET", "/search", papers.search_page, ANYONE, PAGE),
    Route("GET", "/authors/{name:path}", authors.author_page, ANYONE, PAGE),
    Route("GET", "/thumbnails/{paper_id:path}.webp", thumbnails.thumbnail, ANYONE, PAGE),
    # Last: any path under /papers/ that no row above took is a paper's id.
    Route("GET", "/papers/{paper_id:path}", papers.paper_page, ANYONE, PAGE),
)
# fmt: on
