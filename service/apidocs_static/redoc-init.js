// Starts ReDoc on this service's own OpenAPI document (outside the page, for its CSP).
Redoc.init("/openapi.json", {}, document.getElementById("redoc"));
