/* /docs: Swagger UI from the vendored bundle; Authorize uses the OAuth2 password flow (POST /auth/token). */
"use strict";
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  persistAuthorization: true,
  validatorUrl: null,
  oauth2RedirectUrl: window.location.origin + "/static/vendor/swagger-ui/oauth2-redirect.html",
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  onComplete: () => { window.docsReady = true; },
});
