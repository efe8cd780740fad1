"""Business rules, one package per area; nothing here imports aiohttp."""
