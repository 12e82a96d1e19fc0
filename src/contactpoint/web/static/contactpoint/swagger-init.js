// Starts Swagger UI on /api/docs (a file, not an inline script, for the CSP). If Swagger UI
// could not be loaded, say so and point to the OpenAPI document instead.
// Deep linking is off: it turns each operation's path into a link inside the button that
// opens the operation, and a link inside a button is lost to keyboard and screen reader
// users (WCAG 4.1.2).
const root = document.getElementById('swagger-ui')
const openapiUrl = root.dataset.openapiUrl

if (window.SwaggerUIBundle) {
  window.SwaggerUIBundle({
    url: openapiUrl,
    dom_id: '#swagger-ui',
    layout: 'BaseLayout',
    deepLinking: false,
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset]
  })
} else {
  const message = document.createElement('p')
  const link = document.createElement('a')
  link.href = openapiUrl
  link.textContent = 'OpenAPI document'
  message.append('The interactive documentation could not be loaded. The API is described by its ', link, '.')
  const main = document.createElement('main')
  main.append(message)
  root.replaceChildren(main)
}
