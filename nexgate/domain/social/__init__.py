"""The E-Social area: posts, what people do with them, and the feeds they are read in
(docs/social.md)."""
