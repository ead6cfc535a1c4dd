package secrets

import (
	"fmt"
	"io/fs"
	"path"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/acme/platform/libs/cloud"
	"github.com/acme/platform/libs/config"
)

// Open returns the store shared.secrets chooses: aws (Secrets Manager
// under cfg.Prefix) or file (cfg.File inside configDir, the configuration
// folder).
func Open(cfg config.Secrets, awsCfg aws.Config, configDir fs.FS, configDirName string) (Store, error) {
	switch cfg.Provider {
	case "aws":
		return NewSecretsManager(NewSecretsManagerClient(awsCfg), cfg.Prefix), nil
	case "file":
		return NewFile(configDir, cfg.File, path.Join(configDirName, cfg.File)), nil
	default:
		return nil, fmt.Errorf("%w: shared.secrets.provider %q (aws or file)", cloud.ErrInvalid, cfg.Provider)
	}
}
