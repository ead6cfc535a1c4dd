package db

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Collectors returns the DB's Prometheus collectors: pool statistics and
// statement latency. Open registers them when given WithRegisterer.
func (d *DB) Collectors() []prometheus.Collector {
	return []prometheus.Collector{d.obs.latency, &poolCollector{d: d}}
}

// poolStats is what both drivers can tell about their pool.
type poolStats struct {
	max, open, inUse, idle float64
	waits, waitSeconds     float64
	acquires               float64
}

func (d *DB) poolStats() poolStats {
	if d.pool != nil {
		s := d.pool.Stat()
		return poolStats{
			max: float64(s.MaxConns()), open: float64(s.TotalConns()), inUse: float64(s.AcquiredConns()),
			idle: float64(s.IdleConns()), waits: float64(s.EmptyAcquireCount()),
			waitSeconds: s.EmptyAcquireWaitTime().Seconds(), acquires: float64(s.AcquireCount()),
		}
	}
	s := d.sql.Stats()
	return poolStats{
		max: float64(s.MaxOpenConnections), open: float64(s.OpenConnections), inUse: float64(s.InUse),
		idle: float64(s.Idle), waits: float64(s.WaitCount), waitSeconds: s.WaitDuration.Seconds(),
	}
}

// poolCollector reads the pool statistics at scrape time.
type poolCollector struct{ d *DB }

var _ prometheus.Collector = (*poolCollector)(nil)

func (c *poolCollector) desc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, nil, prometheus.Labels{"db": c.d.cfg.Name})
}

func (c *poolCollector) descs() []*prometheus.Desc {
	return []*prometheus.Desc{
		c.desc("db_pool_max_conns", "Maximum size of the connection pool."),
		c.desc("db_pool_open_conns", "Connections currently open."),
		c.desc("db_pool_in_use_conns", "Connections currently in use."),
		c.desc("db_pool_idle_conns", "Idle connections."),
		c.desc("db_pool_waits_total", "Times a caller had to wait for a connection."),
		c.desc("db_pool_wait_seconds_total", "Total time callers waited for a connection."),
		c.desc("db_pool_acquires_total", "Connections handed out by the pool (PostgreSQL)."),
	}
}

// Describe implements prometheus.Collector.
func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs() {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.d.poolStats()
	ds := c.descs()
	vals := []struct {
		v float64
		t prometheus.ValueType
	}{
		{s.max, prometheus.GaugeValue}, {s.open, prometheus.GaugeValue}, {s.inUse, prometheus.GaugeValue},
		{s.idle, prometheus.GaugeValue}, {s.waits, prometheus.CounterValue}, {s.waitSeconds, prometheus.CounterValue},
		{s.acquires, prometheus.CounterValue},
	}
	for i, v := range vals {
		ch <- prometheus.MustNewConstMetric(ds[i], v.t, v.v)
	}
}
