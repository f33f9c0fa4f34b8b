"""Tingjian's HTTP API (served by the bot process): invitations, KPI readings, exports, OpenAPI.

`bot.api.routes.add_api_routes` mounts it on an aiohttp application; `bot.api.keys` hashes keys.
"""
