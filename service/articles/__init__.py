"""Articles of the CMS: registered by their first comment, closed or pre-moderated by moderators."""
