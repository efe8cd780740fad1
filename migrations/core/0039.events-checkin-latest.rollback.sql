DROP INDEX checkins_latest;
