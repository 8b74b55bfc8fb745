"""The editor workbench: four-eyes drafting and publishing of matters (GB/T 47483 §6.3–6.4)."""
