"""Load and fault benchmark harness: bot processes with a timing probe, a webhook distributor, the
bench database, simulated customers on the Bot API emulator, and the figures they produce."""
