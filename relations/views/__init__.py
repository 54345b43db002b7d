"""The relationship practices' pages, one module per subject: parse input, call one service or
selector, render. No business rules here."""
