"""Quality pages, one module per area."""
