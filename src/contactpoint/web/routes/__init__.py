"""One module per concept, each with a thin ``APIRouter`` (pages) and, if it has one, ``api``."""
