"""The API docs at /docs, served from this server: Swagger UI's files come from the
`swagger-ui-bundle-v2` package, not a CDN, so the page works with no internet access."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs-assets"
#: Swagger UI would fetch a validator badge from swagger.io; there is nothing to validate.
PARAMETERS = {"validatorUrl": None, "tryItOutEnabled": True}


def add_docs(app: FastAPI) -> None:
    """Serve Swagger UI for `app.openapi_url` at /docs (build the app with docs_url=None)."""
    openapi_url = app.openapi_url or "/openapi.json"
    redirect = f"{DOCS_PATH}/oauth2-redirect"
    app.mount(ASSETS_PATH, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get(DOCS_PATH, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url, title=f"{app.title} — API docs",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
            oauth2_redirect_url=redirect, swagger_ui_parameters=PARAMETERS)

    @app.get(redirect, include_in_schema=False)
    async def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
