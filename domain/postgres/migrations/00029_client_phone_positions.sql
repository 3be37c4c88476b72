-- +goose Up
-- A client import before this release could leave a client with two phones
-- at one position (stored a, b and a file row "b, x" put b at 0 beside a).
-- The import no longer does; this renumbers the phones of each client it
-- left so, 0..n-1 in the order they were shown (position, then phone).
-- Clients without a repeated position are not touched. One read of
-- client_phones (about a second per million phones) and row locks on the
-- few rows renumbered: no writer waits on a table lock.
UPDATE client_phones p SET position = n.position
FROM (
    SELECT club_id, phone,
           (row_number() OVER (PARTITION BY club_id, client_id ORDER BY position, phone) - 1)::smallint AS position
    FROM client_phones
    WHERE (club_id, client_id) IN (
        SELECT club_id, client_id FROM client_phones
        GROUP BY club_id, client_id, position HAVING count(*) > 1)
) n
WHERE p.club_id = n.club_id AND p.phone = n.phone AND p.position <> n.position;

-- +goose Down
-- Nothing to undo: the repeated positions it renumbered meant nothing.
