"""Ingestion: one module per source, each yielding PaperRecords (or Rejections) to the pipeline."""
