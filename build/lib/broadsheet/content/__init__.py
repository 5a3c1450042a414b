"""Content stage: read series and installment files into validated models."""

from broadsheet.content.loader import Edition, load_edition, load_series, series_installments

__all__ = ["Edition", "load_edition", "load_series", "series_installments"]
