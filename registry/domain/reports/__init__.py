"""Reports for bureaus (issue 21): the monthly standardization report of seed 001, the targets and
ranking of seeds 001 and 004, and credit statistics. The figures are pure functions of histories
(``monthly``, ``targets``, ``credit``); ``load`` reads the histories, ``service`` checks the area,
computes and signs, and the exports write the same figures as JSON, CSV and XLSX."""
