"""OutletCRM: develop and maintain terminal customers through field sales reps."""

__version__ = "0.1.0"
