package ui

var backupTab = Tab{
	Name:  "backup",
	Title: "Backup",
	How:   `The app plans the backup (what is new or changed), then a pool of worker processes copies the files in parallel, each file written under a temporary name and renamed into place, so nothing half-written ever carries a real name. If a worker dies, its files go back into the queue. Python: Pool.imap_unordered(copy, files).`,
	Build: func(env *Env) Screen {
		return placeholder(`Coming soon: pick a source and a destination folder and back it up with a pool of worker processes, with progress per worker.`)
	},
}
