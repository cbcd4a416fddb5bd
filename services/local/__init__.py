"""Running the whole system on one machine (the embedded default behind ``make run``)."""
