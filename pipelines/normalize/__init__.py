"""Value normalisation (和暦, times, coordinates, 半角) and the column plan, as polars expressions."""
