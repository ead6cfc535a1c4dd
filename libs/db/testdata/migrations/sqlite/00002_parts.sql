-- +goose Up
CREATE TABLE parts (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    widget_id INTEGER NOT NULL REFERENCES widgets (id) ON DELETE CASCADE,
    label     TEXT NOT NULL
);
CREATE INDEX parts_widget_id ON parts (widget_id);

-- +goose Down
DROP TABLE parts;
