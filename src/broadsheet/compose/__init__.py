"""The composition stage: measure the texts once, place every block on the page grid, fit."""
