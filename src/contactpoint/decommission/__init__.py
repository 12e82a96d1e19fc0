"""Decommissioning: four eyes, destruction of all personal data, the certificate."""
