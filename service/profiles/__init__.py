"""A commenter's public page: their published comments and what readers gave them."""
