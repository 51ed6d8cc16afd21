"""leumund package."""
