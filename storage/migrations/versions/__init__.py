"""One module per revision, named after its revision id."""
