"""The regions Cloud Run services and Cloud Functions can be deployed to: the one table.

Source: Google Cloud, "Cloud Run locations" (https://cloud.google.com/run/docs/locations), Tier 1
and Tier 2 pricing lists, as stored in late 2025; Cloud Functions (2nd gen runs on Cloud Run; 1st
gen: https://cloud.google.com/functions/docs/locations) is available in a subset of these. When
Google adds a region, add it here (``default-region`` in the configuration is checked against it).
"""

from __future__ import annotations

# region -> location, as the Cloud Run locations page lists them.
REGIONS: dict[str, str] = {
    # Tier 1 pricing
    "asia-east1": "Taiwan",
    "asia-northeast1": "Tokyo",
    "asia-northeast2": "Osaka",
    "europe-north1": "Finland",
    "europe-southwest1": "Madrid",
    "europe-west1": "Belgium",
    "europe-west4": "Netherlands",
    "europe-west8": "Milan",
    "europe-west9": "Paris",
    "me-west1": "Tel Aviv",
    "us-central1": "Iowa",
    "us-east1": "South Carolina",
    "us-east4": "Northern Virginia",
    "us-east5": "Columbus",
    "us-south1": "Dallas",
    "us-west1": "Oregon",
    # Tier 2 pricing
    "africa-south1": "Johannesburg",
    "asia-east2": "Hong Kong",
    "asia-northeast3": "Seoul",
    "asia-southeast1": "Singapore",
    "asia-southeast2": "Jakarta",
    "asia-south1": "Mumbai",
    "asia-south2": "Delhi",
    "australia-southeast1": "Sydney",
    "australia-southeast2": "Melbourne",
    "europe-central2": "Warsaw",
    "europe-west10": "Berlin",
    "europe-west12": "Turin",
    "europe-west2": "London",
    "europe-west3": "Frankfurt",
    "europe-west6": "Zurich",
    "me-central1": "Doha",
    "me-central2": "Dammam",
    "northamerica-northeast1": "Montréal",
    "northamerica-northeast2": "Toronto",
    "southamerica-east1": "São Paulo",
    "southamerica-west1": "Santiago",
    "us-west2": "Los Angeles",
    "us-west3": "Salt Lake City",
    "us-west4": "Las Vegas",
}


def is_region(name: str) -> bool:
    return name in REGIONS
