"""xlingual-repro: executable reproduction of Efimov et al. (ECIR 2023) cross-lingual adjustment."""

__version__ = "0.1.0"
