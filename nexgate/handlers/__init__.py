"""REST handlers: the platform's own (health, docs) and one package per area, whose
``__init__`` is the area's manifest (``nexgate/area.py``; the list is ``nexgate/areas.py``)."""
