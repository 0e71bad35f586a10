"""Scheduling pages: the dispatch board (board.py), booking from a call (booking.py), the
technician's day (field.py) and the field force (people.py)."""
