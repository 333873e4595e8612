"""The API's documentation pages, Swagger UI at /docs and ReDoc at /redoc, served from files
inside installed packages (the pinned `fastapi-offline` wheel carries Swagger UI 5 and ReDoc 2;
our own start-up scripts sit beside this module): no CDN, so they work on a newsroom intranet,
and no third party is trusted with the page."""

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

VENDORED = Path(str(files("fastapi_offline") / "static"))
OURS = Path(__file__).with_name("apidocs_static")

DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
"""Scripts only from this service; inline styles, which both UIs set from script."""

router = APIRouter(include_in_schema=False)


def _page(title: str, body: str) -> HTMLResponse:
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/docs/assets/favicon.png"></head>
<body>{body}</body></html>"""
    return HTMLResponse(html, headers={"Content-Security-Policy": DOCS_CONTENT_SECURITY_POLICY})


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    return _page(
        "Comment moderation API",
        '<link rel="stylesheet" href="/docs/assets/swagger-ui.css"><div id="swagger-ui"></div>'
        '<script src="/docs/assets/swagger-ui-bundle.js"></script>'
        '<script src="/docs/ours/swagger-init.js"></script>',
    )


@router.get("/redoc")
async def redoc() -> HTMLResponse:
    return _page(
        "Comment moderation API",
        '<div id="redoc"></div><script src="/docs/assets/redoc.standalone.js"></script>'
        '<script src="/docs/ours/redoc-init.js"></script>',
    )


def install_docs(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/docs/assets", StaticFiles(directory=VENDORED), name="docs-assets")
    app.mount("/docs/ours", StaticFiles(directory=OURS), name="docs-ours")
