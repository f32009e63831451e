"""The shared base: what every layer uses, knowing nothing of the language or of AWS.

- :mod:`~infrac.base.classes`: the frozen and mutable data classes of every layer, whose
  methods are generated ahead of time into :mod:`~infrac.base._methods` (``make classes``);
- :mod:`~infrac.base.source`: source files, spans (character offsets) and line/column mapping;
- :mod:`~infrac.base.units`: durations and sizes; :mod:`~infrac.base.suggest`: "did you mean";
- :mod:`~infrac.base.yamlimport`: PyYAML, imported without its slowest start-up cost.

Layer 1 of 12 (tests/test_layers.py holds the order). May import: no other layer.
"""
