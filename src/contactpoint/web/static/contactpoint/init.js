// Starts GOV.UK Frontend's components. Loaded as a module, so it runs only in browsers
// that GOV.UK Frontend supports; every page works without it.
import { initAll } from '/static/govuk/govuk-frontend.min.js'

initAll()
