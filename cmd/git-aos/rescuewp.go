package main

import (
	"context"
	"os"

	"github.com/architectos/aos/report"
	"github.com/architectos/aos/workflow"
	"github.com/spf13/cobra"
)

func newCmdRescueWP(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rescuewp",
		Short: "Set up the rescue of a compromised WordPress site",
		Example: `  git aos rescuewp checksums /usr/share/wordpress > sums.json
  git aos rescuewp init /srv/www/site --checksums sums.json`,
	}
	cmd.AddCommand(newCmdRescueChecksums(f, nil), newCmdRescueInit(f, nil))
	return cmd
}

type rescueChecksumsOptions struct {
	*factory
	Tree   string
	Output string
}

func newCmdRescueChecksums(f *factory, runF func(context.Context, *rescueChecksumsOptions) error) *cobra.Command {
	opts := &rescueChecksumsOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "checksums DIR",
		Short: "Print the checksums of a pristine WordPress tree",
		Long: `Checksums prints the MD5 sums of the files of the pristine WordPress tree
DIR, under the version its wp-includes/version.php names, in the shape of
the WordPress.org checksums API (api.wordpress.org/core/checksums/1.0/) that
wp core verify-checksums reads: the file the wp-core validator compares a
site's core with (docs/rescuewp.md). Symbolic links to files count as the
files; wp-config.php, the top's dotfiles and what a site writes under
wp-content (uploads, cache, upgrade) are left out.`,
		Example: `  git aos rescuewp checksums /usr/share/wordpress > sums.json
  git aos rescuewp checksums -o sums.json ~/src/wordpress-6.1.9`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Tree = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return rescueChecksumsRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "write the checksums to `FILE` instead of standard output")
	return cmd
}

func rescueChecksumsRun(opts *rescueChecksumsOptions) error {
	data, err := workflow.RescueChecksums(opts.Tree)
	if err != nil {
		return err
	}
	if opts.Output != "" {
		return os.WriteFile(opts.Output, data, 0o644)
	}
	_, err = opts.Out.Write(data)
	return err
}

type rescueInitOptions struct {
	*factory
	Site      string
	Checksums string
	DBSocket  string
	DBName    string
	DBUser    string
	Backups   string
}

func newCmdRescueInit(f *factory, runF func(context.Context, *rescueInitOptions) error) *cobra.Command {
	opts := &rescueInitOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "init DIR [--checksums FILE]",
		Short: "Turn a WordPress directory into a repository with the RescueWP manifest",
		Long: `Init turns the WordPress site in DIR into a git repository whose first
commit holds the site as found, with the RescueWP manifest (aos.yaml,
docs/rescuewp.md): WordPress's core read-only, plugins, themes and uploads
writable, the secrets, php-malware and syntax validators on, php -l of
every PHP file a plan may change as a test suite in bubblewrap, deletes,
quarantines and wp-config.php behind approval.

With --checksums FILE (the WordPress.org checksums API's JSON, or what git
aos rescuewp checksums prints) the wp-core validator compares the core with
the checksums of the site's version; the file is kept in
aos-rescue/wp-core-checksums.json. aos-rescue/ also gets an .htaccess that
keeps the web server from serving anything under it, the quarantine first.

With --db-socket SOCKET, the manifest also has a db_dump tool: mysqldump of
the site's database (--db-name, else wp-config.php's DB_NAME) in bubblewrap,
granted that socket alone, exporting the dump to --backups DIR, outside the
repository (docs/spec.md 10.6): a plan backs the database up with
SANDBOX_EXEC db_dump.

DIR must not be a repository yet. Then git aos validate --all prints the
assessment of the whole site.`,
		Example: `  git aos rescuewp init /srv/www/site --checksums sums.json
  git aos rescuewp init site --checksums sums.json --db-socket /run/mysqld/mysqld.sock
  cd /srv/www/site && git aos validate --all --format markdown`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Site = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return rescueInitRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Checksums, "checksums", "", "checksums `FILE` of WordPress's core for the wp-core validator")
	fl.StringVar(&opts.DBSocket, "db-socket", "", "unix `SOCKET` of the site's database server: adds the db_dump tool")
	fl.StringVar(&opts.DBName, "db-name", "", "database `NAME` db_dump dumps (default: wp-config.php's DB_NAME)")
	fl.StringVar(&opts.DBUser, "db-user", "", "`USER` mysqldump connects as (default root)")
	fl.StringVar(&opts.Backups, "backups", "", "host `DIR` db_dump exports dumps to (default /var/backups/rescuewp/<project>)")
	return cmd
}

func rescueInitRun(ctx context.Context, opts *rescueInitOptions) error {
	res, err := workflow.RescueInit(ctx, workflow.RescueInitOptions{Dir: opts.Site, Checksums: opts.Checksums,
		DBSocket: opts.DBSocket, DBName: opts.DBName, DBUser: opts.DBUser, Backups: opts.Backups})
	if err != nil {
		return err
	}
	return report.WriteRescueInit(opts.Out, opts.ErrOut, res)
}
