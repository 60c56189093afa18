"""Pure claim logic: numbers, normalisation, extraction. Imports neither storage, UI nor index."""
