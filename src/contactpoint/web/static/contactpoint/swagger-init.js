// Starts Swagger UI on /api/docs (a file, not an inline script, for the CSP). If Swagger UI
// could not be loaded, say so and point to the OpenAPI document instead.
const root = document.getElementById('swagger-ui')
const openapiUrl = root.dataset.openapiUrl

if (window.SwaggerUIBundle) {
  window.SwaggerUIBundle({
    url: openapiUrl,
    dom_id: '#swagger-ui',
    layout: 'BaseLayout',
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset]
  })
} else {
  const message = document.createElement('p')
  const link = document.createElement('a')
  link.href = openapiUrl
  link.textContent = 'OpenAPI document'
  message.append('The interactive documentation could not be loaded. The API is described by its ', link, '.')
  root.replaceChildren(message)
}
