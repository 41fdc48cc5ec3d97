"""Text utilities every stage shares: numerals, numbering markers, character folding,
the offset map of cleaning, and the text-matching rules of the gold (docs/GOLD.md)."""
