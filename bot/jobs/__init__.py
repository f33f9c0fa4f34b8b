"""Background loops of the bot process: scheduled digests, the campaign sender, the SLA watch."""
