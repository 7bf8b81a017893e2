"""Staff and instructor feedback reports (per course and across courses).

- ``filters``: what a report covers (``ReportFilter``) and parsing it from a query string;
- ``queries``: the aggregate SQL, one statement per figure group;
- ``rollup``: the lecture-feedback aggregates read from the per-lesson, per-day rollup
  (``reviews.rollup_models``, kept exact by ``reviews.services.rollup``);
- ``distribution``: median, percentiles and interpolated median from 1..5 counts;
- ``suppression``: the small-group rule (fewer than 5 responses: figures hidden);
- ``figures``: the report's rows (``FeedbackReport`` and its parts), immutable;
- ``report``: ``feedback_report_build``: the queries shaped into a ``FeedbackReport``;
- ``charts``: the data of the page's charts;
- ``csv_export``: every table of the report as CSV.

The HTML page is ``reviews.report_views``, the API ``reviews.api.report_views``, who may read
what ``reviews.report_permissions``.
"""
