"""Reading: spreadsheets (xlsx, ods, csv), OCDS and software catalogues into raw frames."""
