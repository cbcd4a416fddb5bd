"""The ingestor's decisions as plain functions: backfill arithmetic, retry timing, schedule."""
