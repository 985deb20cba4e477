"""Cross-lingual adjustment (Cao et al. 2020 / Efimov et al.): objective, loop, reference."""

from repro.adjust.objective import AlignBatch, AnchorCache, alignment_losses, make_align_batch

__all__ = ["AlignBatch", "AnchorCache", "alignment_losses", "make_align_batch"]
