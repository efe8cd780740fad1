"""Commerce: shops (their handles, staff, delivery fees and state) and the buyers' address
books; products, stock, carts, checkout and orders build on them (docs/commerce.md)."""
