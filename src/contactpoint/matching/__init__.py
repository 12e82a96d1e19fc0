"""Identity resolution: standardise, block, score and decide. Pure: no database, no web."""
