"""Technicians, skills, territories, shifts, appointments and the optimizer's proposals."""

from .appointments import Appointment, OptimizerRun
from .people import (
    Branch,
    Certification,
    ComplianceDocument,
    OnboardingRecord,
    OnboardingStep,
    Subcontractor,
    Technician,
    TechnicianSkill,
    TrainingRecord,
)
from .territory import Territory
from .time import WEEKDAYS, ShiftOverride, TimeOff, WeeklyShift

__all__ = [
    "WEEKDAYS",
    "Appointment",
    "Branch",
    "Certification",
    "ComplianceDocument",
    "OnboardingRecord",
    "OnboardingStep",
    "OptimizerRun",
    "ShiftOverride",
    "Subcontractor",
    "Technician",
    "TechnicianSkill",
    "Territory",
    "TimeOff",
    "TrainingRecord",
    "WeeklyShift",
]
