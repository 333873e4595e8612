"""The two screens the service serves itself: the moderator console (`/admin/`) and the
comment box a news page embeds (`/embed.js`). Plain files from the package, no build step."""
