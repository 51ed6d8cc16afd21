-- The schema of Leumund 0.1.0 (commit 6420af6) as its create_all wrote it on SQLite.
-- Used by tests/test_migrations.py as a database written by the previous release.
CREATE TABLE business (
	id INTEGER NOT NULL,
	name VARCHAR NOT NULL,
	timezone VARCHAR NOT NULL,
	language VARCHAR NOT NULL,
	created_at DATETIME NOT NULL,
	PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ix_business_name ON business (name);
CREATE TABLE source (
	id INTEGER NOT NULL,
	business_id INTEGER NOT NULL,
	name VARCHAR NOT NULL,
	type VARCHAR NOT NULL,
	url VARCHAR NOT NULL,
	enabled BOOLEAN NOT NULL,
	first_crawl_at DATETIME,
	last_success_at DATETIME,
	last_attempt_at DATETIME,
	last_error TEXT,
	consecutive_failures INTEGER NOT NULL,
	failing_since DATETIME,
	broken_notified BOOLEAN NOT NULL,
	reviews_seen_ever INTEGER NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (business_id, name),
	FOREIGN KEY(business_id) REFERENCES business (id)
);
CREATE INDEX ix_source_business_id ON source (business_id);
CREATE TABLE review (
	id INTEGER NOT NULL,
	source_id INTEGER NOT NULL,
	business_id INTEGER NOT NULL,
	platform_id VARCHAR(255) NOT NULL,
	author VARCHAR NOT NULL,
	rating FLOAT,
	rating_raw FLOAT,
	rating_scale VARCHAR,
	title VARCHAR NOT NULL,
	text TEXT NOT NULL,
	language VARCHAR,
	published_at DATETIME,
	first_seen_at DATETIME NOT NULL,
	updated_at DATETIME,
	reply_text TEXT,
	reply_at DATETIME,
	url VARCHAR,
	content_hash VARCHAR(64) NOT NULL,
	version INTEGER NOT NULL,
	backlog BOOLEAN NOT NULL,
	sentiment_label VARCHAR,
	sentiment_probs JSON,
	sentiment_model VARCHAR,
	classified_at DATETIME,
	alert_checked_version INTEGER NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (source_id, platform_id),
	FOREIGN KEY(source_id) REFERENCES source (id),
	FOREIGN KEY(business_id) REFERENCES business (id)
);
CREATE INDEX ix_review_alert_checked_version ON review (alert_checked_version);
CREATE INDEX ix_review_published_at ON review (published_at);
CREATE INDEX ix_review_sentiment_label ON review (sentiment_label);
CREATE INDEX ix_review_business_id ON review (business_id);
CREATE INDEX ix_review_source_id ON review (source_id);
CREATE INDEX ix_review_first_seen_at ON review (first_seen_at);
CREATE TABLE crawlrun (
	id INTEGER NOT NULL,
	source_id INTEGER NOT NULL,
	started_at DATETIME NOT NULL,
	finished_at DATETIME,
	status VARCHAR NOT NULL,
	pages INTEGER NOT NULL,
	reviews_seen INTEGER NOT NULL,
	reviews_new INTEGER NOT NULL,
	reviews_updated INTEGER NOT NULL,
	http_errors INTEGER NOT NULL,
	error TEXT,
	PRIMARY KEY (id),
	FOREIGN KEY(source_id) REFERENCES source (id)
);
CREATE INDEX ix_crawlrun_source_id ON crawlrun (source_id);
CREATE INDEX ix_crawlrun_started_at ON crawlrun (started_at);
CREATE TABLE reviewedit (
	id INTEGER NOT NULL,
	review_id INTEGER NOT NULL,
	changed_at DATETIME NOT NULL,
	old_rating FLOAT,
	old_title VARCHAR NOT NULL,
	old_text TEXT NOT NULL,
	new_rating FLOAT,
	PRIMARY KEY (id),
	FOREIGN KEY(review_id) REFERENCES review (id)
);
CREATE INDEX ix_reviewedit_review_id ON reviewedit (review_id);
CREATE TABLE notification (
	id INTEGER NOT NULL,
	kind VARCHAR NOT NULL,
	dedup_key VARCHAR(255) NOT NULL,
	recipient VARCHAR NOT NULL,
	business_id INTEGER,
	review_id INTEGER,
	source_id INTEGER,
	payload JSON NOT NULL,
	message TEXT,
	digest BOOLEAN NOT NULL,
	status VARCHAR NOT NULL,
	attempts INTEGER NOT NULL,
	last_error TEXT,
	created_at DATETIME NOT NULL,
	send_after DATETIME NOT NULL,
	next_attempt_at DATETIME,
	sent_at DATETIME,
	PRIMARY KEY (id),
	UNIQUE (dedup_key),
	FOREIGN KEY(business_id) REFERENCES business (id),
	FOREIGN KEY(review_id) REFERENCES review (id),
	FOREIGN KEY(source_id) REFERENCES source (id)
);
CREATE INDEX ix_notification_business_id ON notification (business_id);
CREATE INDEX ix_notification_review_id ON notification (review_id);
CREATE INDEX ix_notification_send_after ON notification (send_after);
CREATE INDEX ix_notification_status ON notification (status);
CREATE INDEX ix_notification_kind ON notification (kind);
