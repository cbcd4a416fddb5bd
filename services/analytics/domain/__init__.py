"""Analytics domain logic: plain functions over plain data, no I/O."""
