"""Writing results: single-run files now; the DuckDB/Parquet results store later."""
